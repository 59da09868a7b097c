"""Reports of a chaosgate run: JUnit XML for release gates, HTML with timeline plots for people.

Both are written from ScenarioResult values (report.model); the HTML report also
plots each scenario's recorded Timeline.
"""
