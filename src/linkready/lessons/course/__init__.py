"""The twelve lessons, one module each (registered in :mod:`linkready.lessons._registry`)."""
