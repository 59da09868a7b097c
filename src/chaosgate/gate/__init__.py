"""The release gate: read JUnit reports, check them against a policy, say GO or NO-GO.

junit_reader reads reports (ours and other tools'), policy reads and validates
the YAML policy, decide is the pure decision, summary renders it as markdown
and command is what `chaosgate gate` runs. The gate fails closed: a report or
policy it cannot read is a NO-GO, never a pass.
"""
