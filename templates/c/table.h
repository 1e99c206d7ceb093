{{ header }}//
// Cut table `{{ name }}` for C99: include this header and call {{ name }}_eval(x) with one
// event of raw integers (x[k] = the k-th input on its fixed-point grid, inside its range).
// No allocation, no library calls.
#ifndef {{ upper }}_H
#define {{ upper }}_H

#include <stdint.h>

#define {{ upper }}_N_INPUTS {{ defines.len() }}
#define {{ upper }}_N_POINTS {{ points.len() }}

// Index of each input in x[].
{%- for d in defines %}
#define {{ d.name }} {{ d.value }} // {{ d.comment }}
{%- endfor %}

// Target signal efficiency of each working point:{% for t in targets %} {{ t }}{% endfor %}

// Raw input values, one per input.
typedef {{ raw_t }} {{ name }}_raw_t;

// The mask of working points the event x passes: bit p set = every cut of point p passes.
// Precondition (not checked, as in the hardware): every x[k] lies inside the raw range of
// input k's format, given next to its index above; a value outside gives an unspecified mask.
static inline uint64_t {{ name }}_eval(const {{ name }}_raw_t x[{{ upper }}_N_INPUTS]) {
    uint64_t sel = 0;
    (void)x; // a table whose cuts are all constant reads no input
{%- for p in points %}
    // {{ p.comment }}
    if ({{ p.cond }}) {
        sel |= UINT64_C(1) << {{ p.bit }};
    }
{%- endfor %}
    return sel;
}

#endif
