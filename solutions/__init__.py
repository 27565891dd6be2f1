"""The reference answers to ``exercises/``: the same modules and names, solved.

``python -m edutorch.grade --impl solutions`` grades these (they all pass).
"""
