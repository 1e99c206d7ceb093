{{ header }}
#ifndef {{ guard }}
#define {{ guard }}

#include "parameters.h"

// One event in, one mask out; see parameters.h for the types.
void {{ name }}({{ args }});

#endif
