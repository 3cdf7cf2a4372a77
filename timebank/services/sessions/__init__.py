"""Group sessions: recorded from a register as one ledger entry (`record`), and read back (`reading`)."""
