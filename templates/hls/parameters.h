{{ header }}
// Types and thresholds of the cut table. Thresholds are exact grid values of each input's
// own type (the raw integer is in the comment); no float threshold is ever used.
#ifndef {{ guard }}
#define {{ guard }}

#include "ap_fixed.h"
#include "ap_int.h"

#define N_INPUTS {{ inputs.len() }}
#define N_POINTS {{ points }}

// Input types: ap_[u]fixed<W, W - F, rounding, AP_SAT>, the formats of the cut table.
{%- for i in inputs %}
typedef {{ i.ty }} {{ i.name }}_t; // {{ i.comment }}
{%- endfor %}

// One bit per working point: bit p set = the event passes working point p.
typedef ap_uint<N_POINTS> sel_t;
{% for t in thresholds %}
// {{ t.comment }}
{{ t.decl }}
{%- endfor %}

#endif
