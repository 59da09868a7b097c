"""Chaos Toolkit side of chaosgate.

- stack_actions: our actions and probes for the stack runtime (a Python provider
  module that experiment files in chaos/ name; also usable by `chaos run`)
- runner: runs an experiment through chaoslib with rollbacks on every exit path
  and keeps the journal
- fault_records: the FAULT start / landed / refused / end records of a run
"""
