"""Fault injection (`--faults RATE`): bad rows and bad files, with a ledger of what went where."""
