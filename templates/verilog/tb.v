{{ header }}//
// Self-checking testbench: drives one vector per clock from the inputs file, compares every
// valid output with the expected file, prints PASS or FAIL and finishes.
// Files (override with +inputs=PATH +expected=PATH): tb_data/inputs.hex, tb_data/expected.hex.
// Run: iverilog -g2001 -o tb {{ name }}.v {{ name }}_tb.v && vvp tb
`timescale 1ns / 1ps
`default_nettype none

module {{ name }}_tb;
    localparam integer N = {{ vectors }};
    localparam integer LATENCY = {{ latency }};

    reg [{{ vec_msb }}:0] vin [0:N-1];
    reg {{ sel_range }} vexp [0:N-1];
    reg [8*512-1:0] inputs_file;
    reg [8*512-1:0] expected_file;

    reg ap_clk;
    reg ap_rst;
    reg in_valid;
{%- for r in regs %}
    {{ r }}
{%- endfor %}
    wire out_valid;
    wire {{ sel_range }} sel;

    {{ name }} dut (
        .ap_clk(ap_clk),
        .ap_rst(ap_rst),
        .in_valid(in_valid),
{%- for c in connections %}
        {{ c }},
{%- endfor %}
        .out_valid(out_valid),
        .sel(sel)
    );

    integer i;
    integer got;
    integer errors;

    reg clocked;

    always #5 ap_clk = ~ap_clk;

    // The reset check starts after the first rising edge has loaded the registers.
    always @(posedge ap_clk) clocked <= 1'b1;

    // Outputs are sampled on the falling edge, half a clock after the registers change.
    always @(negedge ap_clk) begin
        if (ap_rst) begin
            if (clocked === 1'b1 && out_valid !== 1'b0) begin
                $display("reset: out_valid is %b, expected 0", out_valid);
                errors = errors + 1;
            end
        end else if (out_valid === 1'b1) begin
            if (got >= N) begin
                $display("unexpected output %h after the last vector", sel);
                errors = errors + 1;
            end else if (sel !== vexp[got]) begin
                if (errors < 10)
                    $display("vector %0d: sel = %h, expected %h", got, sel, vexp[got]);
                errors = errors + 1;
            end
            got = got + 1;
        end
    end

    initial begin
        if (!$value$plusargs("inputs=%s", inputs_file)) inputs_file = "tb_data/inputs.hex";
        if (!$value$plusargs("expected=%s", expected_file)) expected_file = "tb_data/expected.hex";
        $readmemh(inputs_file, vin);
        $readmemh(expected_file, vexp);
        got = 0;
        errors = 0;
        clocked = 1'b0;
        ap_clk = 1'b0;
        ap_rst = 1'b1;
        in_valid = 1'b0;
{%- for z in zero %}
        {{ z }}
{%- endfor %}
        repeat (LATENCY + 2) @(posedge ap_clk);
        #1 ap_rst = 1'b0;
        for (i = 0; i < N; i = i + 1) begin
            { {{ concat }} } = vin[i][{{ in_msb }}:0];
            in_valid = 1'b1;
            @(posedge ap_clk);
            #1;
        end
        in_valid = 1'b0;
        repeat (LATENCY + 2) @(posedge ap_clk);
        if (got != N) begin
            $display("%0d outputs for %0d vectors", got, N);
            errors = errors + 1;
        end
        if (errors == 0)
            $display("PASS: %0d vectors", N);
        else
            $display("FAIL: %0d mismatches in %0d vectors", errors, N);
        $finish;
    end
endmodule

`default_nettype wire
