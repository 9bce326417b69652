//! Running rules over text. Stub: arrives with the rules work.
