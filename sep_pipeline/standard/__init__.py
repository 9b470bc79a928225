"""The SEP Return standard (`sep_return`) and what is generated from it: the Pandera schemas,
header and value matching, cross-field rules, the issue shape and its messages, the reporting
quarters and the partner template. It imports nothing else of the project."""
