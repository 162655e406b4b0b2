"""Layer 0: what every layer needs to refuse an input or write an output safely.

The "cannot proceed" exception, the catalogue of refusals, atomic writes, safe reading of files
and content sniffing. Imports nothing from the rest of the package.
"""
