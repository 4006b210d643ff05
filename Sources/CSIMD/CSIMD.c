// The module's content is the inline functions in include/CSIMD.h.
