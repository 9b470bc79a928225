"""Tools around the pipeline, not steps of it: the synthetic sample returns, the generated
reference pages, and the install's dependency check."""
