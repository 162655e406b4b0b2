"""Layer 3: the Excel side: the layout shared by template writer, reader and annotated copy.

May import: converter.base, converter.form, converter.engine (never word/ or published/).
"""
