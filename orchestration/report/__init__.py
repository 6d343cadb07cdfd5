"""The findings report: the paper's claims checked against the published warehouse (findings.py),
written as one self-contained HTML page with every figure (page.py)."""
