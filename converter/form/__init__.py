"""Layer 1: the form definition (an edition of the national format) as frozen dataclasses.

Loader, the definition's own JSON Schema and the registry of bundled editions. Knows nothing of
Excel, Word or files other than definitions. May import: converter.base.
"""
