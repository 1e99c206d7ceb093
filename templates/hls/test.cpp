{{ header }}
// C simulation testbench: reads raw integer inputs (one event per line, decimal, input order
// as in the top function), sets each ap_fixed bit for bit through .range(), runs the top
// function, writes every mask in hex (same layout as the expected file) and compares.
// Usage: {{ name }}_test [inputs] [expected] [results]
//   defaults tb_data/tb_input_raw.dat tb_data/tb_output_expected.dat tb_data/csim_results.log
// Prints PASS or FAIL; exit status 0 only on PASS.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "firmware/{{ name }}.h"

int main(int argc, char **argv) {
    const char *in_path = argc > 1 ? argv[1] : "tb_data/tb_input_raw.dat";
    const char *exp_path = argc > 2 ? argv[2] : "tb_data/tb_output_expected.dat";
    const char *out_path = argc > 3 ? argv[3] : "tb_data/csim_results.log";
    std::ifstream fin(in_path);
    std::ifstream fexp(exp_path);
    FILE *fout = std::fopen(out_path, "w");
    if (!fin || !fexp || !fout) {
        std::printf("FAIL: cannot open %s, %s or %s\n", in_path, exp_path, out_path);
        return 2;
    }
    std::string line;
    std::string want;
    long events = 0;
    long errors = 0;
    while (std::getline(fin, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        long long raw[N_INPUTS];
        for (int k = 0; k < N_INPUTS; k++) {
            if (!(fields >> raw[k])) {
                std::printf("FAIL: line %ld of %s has fewer than %d values\n", events + 1, in_path, N_INPUTS);
                return 2;
            }
        }
{%- for i in inputs %}
        {{ i.name }}_t {{ i.name }};
        {{ i.name }}.range({{ i.width - 1 }}, 0) = ap_uint<{{ i.width }}>((unsigned long long)raw[{{ loop.index0 }}]);
{%- endfor %}
        sel_t sel;
        {{ name }}({{ call }}, sel);
        char got[32];
        std::snprintf(got, sizeof got, "%0{{ digits }}llx", (unsigned long long)sel.to_uint64());
        std::fprintf(fout, "%s\n", got);
        if (!std::getline(fexp, want) || want != got) {
            if (errors < 10) std::printf("event %ld: sel = %s, expected %s\n", events, got, want.c_str());
            errors++;
        }
        events++;
    }
    std::fclose(fout);
    if (errors == 0 && events > 0) {
        std::printf("PASS: %ld vectors\n", events);
        return 0;
    }
    std::printf("FAIL: %ld mismatches in %ld vectors\n", errors, events);
    return 1;
}
