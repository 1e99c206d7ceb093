// Equivalence miter written by `cabin verify` ({{ generator }}): the module under test and the
// combinational reference delayed by {{ latency }} clock(s) see the same inputs. Once a reset
// has been applied, out_valid must equal the delayed in_valid, and whenever it is high, sel
// must equal the delayed reference mask. Proved for all input sequences by induction.
module cabin_equiv (
    input wire ap_clk,
    input wire ap_rst,
    input wire in_valid,
{%- for i in inputs %}
    input wire [{{ i.width - 1 }}:0] {{ i.port }}{% if !loop.last %},{% endif %}
{%- endfor %}
);
    wire dut_valid;
    wire [{{ points - 1 }}:0] dut_sel;
    wire [{{ points - 1 }}:0] ref_sel;

    {{ module }} dut (
        .ap_clk(ap_clk),
        .ap_rst(ap_rst),
        .in_valid(in_valid),
{%- for i in inputs %}
        .{{ i.port }}({{ i.port }}),
{%- endfor %}
        .out_valid(dut_valid),
        .sel(dut_sel)
    );

    cabin_cuts_ref reference (
{%- for i in inputs %}
        .{{ i.port }}({{ i.port }}),
{%- endfor %}
        .sel(ref_sel)
    );

    // Delay line: bit/word 0 is one clock old; the concatenations drop the oldest entry.
    reg [{{ latency * points - 1 }}:0] sel_d;
    reg [{{ latency - 1 }}:0] valid_d;
    reg armed = 1'b0;
    always @(posedge ap_clk) begin
        if (ap_rst) armed <= 1'b1;
        sel_d <= {sel_d, ref_sel};
        valid_d <= ap_rst ? {{ latency }}'d0 : {valid_d, in_valid};
    end
    wire ref_valid = valid_d[{{ latency - 1 }}];
    wire [{{ points - 1 }}:0] ref_sel_late = sel_d[{{ latency * points - 1 }}:{{ (latency - 1) * points }}];

    always @* begin
        if (armed) begin
            assert (dut_valid == ref_valid);
            if (dut_valid) assert (dut_sel == ref_sel_late);
        end
    end
endmodule
