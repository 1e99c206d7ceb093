{{ header }}//
// Interface (stable): one event per clock on x_* while in_valid is high; sel and out_valid
// follow {{ latency }} clock(s) later. Bit p of sel = the event passes working point p.
// ap_rst is synchronous and active high.
`default_nettype none

module {{ name }} (
    input  wire ap_clk,
    input  wire ap_rst,
    input  wire in_valid,
{%- for port in ports %}
    {{ port }},
{%- endfor %}
    output reg  out_valid,
    output reg  {{ sel_range }} sel
);

    // Thresholds: raw integers on each input's grid, declared with the input's signedness
    // and width so that every comparison below is signed exactly when the input is.
{%- for t in params %}
    // {{ t.comment }}
    {{ t.decl }}
{%- endfor %}

    wire {{ sel_range }} pass;
{%- for p in points %}

    // {{ p.comment }}
{%- for c in p.cuts %}
    {{ c }}
{%- endfor %}
    {{ p.assign }}
{%- endfor %}
{%- if !unused.is_empty() %}

    // Inputs whose cuts are all constant: kept in the interface, read nowhere.
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_inputs = &{1'b0{% for u in unused %}, {{ u }}{% endfor %}};
    /* verilator lint_on UNUSEDSIGNAL */
{%- endif %}
{%- for s in stages %}
    {{ s.0 }}
    {{ s.1 }}
{%- endfor %}

    always @(posedge ap_clk) begin
        if (ap_rst) begin
{%- for r in resets %}
            {{ r }}
{%- endfor %}
        end else begin
{%- for s in shifts %}
            {{ s }}
{%- endfor %}
        end
    end

endmodule

`default_nettype wire
