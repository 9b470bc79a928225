"""From a file in the intake folder to the warehouse: the folder (`folder`), the safe reader,
validation with its layout and plausibility checks, pseudonyms, standardisation, the partner's
feedback workbook, and the ingest steps that record it all (`ingest`)."""
