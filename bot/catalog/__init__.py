"""Programme-and-policy catalogue: models, queries, import/export.

Kept light on purpose: import `bot.catalog.queries` or `bot.catalog.models`
explicitly. Nothing here touches a database at import time.
"""
