{{ header }}
#include "{{ name }}.h"

void {{ name }}({{ args }}) {
    // A trigger streams one event per clock: accept a new event every cycle.
    #pragma HLS PIPELINE II=1
    // No handshake on the inputs: a fixed-latency trigger path presents a value every clock.
{%- for i in inputs %}
    #pragma HLS INTERFACE ap_none port={{ i.name }}
{%- endfor %}
    // A valid strobe beside the mask, so downstream logic knows when sel is new.
    #pragma HLS INTERFACE ap_vld port=sel

{%- for i in inputs %}
{%- if !i.used %}
    (void){{ i.name }}; // every cut on this input is constant
{%- endif %}
{%- endfor %}

    sel_t s = 0;
{%- for p in points %}
    // {{ p.comment }}
    {{ p.expr }}
{%- endfor %}
    sel = s;
}
