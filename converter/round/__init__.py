"""Layer 5: the round: roster, batch, per-agency state, summary workbook, manifest.

May import: layers 0–4.
"""
