//! The rule set. Stub: the built-in rules arrive with the rules work.
