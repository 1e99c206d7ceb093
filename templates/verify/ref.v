// Reference written by `cabin verify` ({{ generator }}): the cut table as plain combinational
// logic, independent of the exporter's templates. Every input is widened to a 34-bit signed
// value (sign- or zero-extended by its format) and compared with a 34-bit signed constant, so
// no comparison depends on Verilog's mixed signed/unsigned rules.
module cabin_cuts_ref (
{%- for i in inputs %}
    input wire [{{ i.width - 1 }}:0] {{ i.port }},
{%- endfor %}
    output wire [{{ points - 1 }}:0] sel
);
{%- for i in inputs %}
    wire signed [33:0] v{{ loop.index0 }} = {{ i.extend }};
{%- endfor %}
{%- for p in rows %}
    assign sel[{{ loop.index0 }}] = {{ p }};
{%- endfor %}
endmodule
