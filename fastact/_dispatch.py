"""Which compiled kernel module this process uses.

Every Python module takes the kernels from here (``from ._dispatch import
kernels as _k``), so choosing among builds for several instruction-set
levels at import happens in this one place.
"""

from . import _kernels as kernels  # noqa: F401
