// The module's only content is the inline function in include/CPrefetch.h.
