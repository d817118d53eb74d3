"""Programme-and-policy catalogue: models, queries, import/export.

Queries by concern: `names` (ids, names, aliases), `geography` (areas, former
districts and communes, distances), `rules` (policies), `search` (programmes),
`admissions` (the admission calendar); `tables` (import/export, fingerprints)
serves `commands`. Kept light on purpose: import the module you need
explicitly. Nothing here touches a database at import time.
"""
