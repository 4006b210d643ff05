// Intentionally empty: SwiftPM needs one source file for the header-only shim above.
#include "CFuzzerDriver.h"
