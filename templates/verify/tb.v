// Testbench written by `cabin verify` ({{ generator }}) for module {{ module }}.
// It streams {{ count }} vectors from vectors.hex (one line per vector, input 0 in the most
// significant bits) with a bubble (in_valid low, inputs scrambled) before every 5th vector,
// and writes every mask seen while out_valid is high to sim_out.txt:
//   o <hex mask>      one valid output
//   l <cycles>        latency: first valid input sampled to first valid output
//   e <count>         end of simulation, valid outputs seen
// Inputs change just after a rising edge; outputs are sampled on the falling edge.
`timescale 1ns / 1ps
module cabin_verify_tb;
    localparam integer N = {{ count }};
    localparam integer IW = {{ input_width }};
    localparam integer P = {{ points }};
    localparam integer DRAIN = {{ drain }};

    reg ap_clk = 1'b0;
    reg ap_rst = 1'b1;
    reg in_valid = 1'b0;
    reg [IW-1:0] word = {IW{1'b0}};
    reg [IW-1:0] mem [0:N-1];
    wire out_valid;
    wire [P-1:0] sel;

    {{ module }} dut (
        .ap_clk(ap_clk),
        .ap_rst(ap_rst),
        .in_valid(in_valid),
{%- for p in ports %}
        .{{ p.name }}(word[{{ p.hi }}:{{ p.lo }}]),
{%- endfor %}
        .out_valid(out_valid),
        .sel(sel)
    );

    always #5 ap_clk = ~ap_clk;

    integer fd;
    integer i;
    integer cycle = 0;
    integer first_in = -1;
    integer first_out = -1;
    integer outs = 0;

    always @(posedge ap_clk) begin
        cycle = cycle + 1;
        if (!ap_rst && in_valid && first_in < 0) first_in = cycle;
    end

    always @(negedge ap_clk) begin
        if (!ap_rst && out_valid) begin
            if (first_out < 0) begin
                first_out = cycle;
                $fwrite(fd, "l %0d\n", first_out - first_in + 1);
            end
            $fwrite(fd, "o %h\n", sel);
            outs = outs + 1;
        end
    end

    initial begin
        $readmemh("vectors.hex", mem);
        fd = $fopen("sim_out.txt", "w");
        repeat (3) @(posedge ap_clk);
        ap_rst <= 1'b0;
        // Idle after reset: a correct design keeps out_valid low here.
        repeat (DRAIN) @(posedge ap_clk);
        for (i = 0; i < N; i = i + 1) begin
            if (i % 5 == 4) begin
                in_valid <= 1'b0;
                word <= ~mem[i];
                @(posedge ap_clk);
            end
            in_valid <= 1'b1;
            word <= mem[i];
            @(posedge ap_clk);
        end
        in_valid <= 1'b0;
        word <= {IW{1'b0}};
        repeat (DRAIN) @(posedge ap_clk);
        @(negedge ap_clk);
        $fwrite(fd, "e %0d\n", outs);
        $fclose(fd);
        $finish;
    end
endmodule
