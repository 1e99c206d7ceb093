// C simulation harness written by `cabin verify` ({{ generator }}) for the HLS top function
// {{ top }}() declared in {{ header }}. Independent of the project's own testbench.
// Reads vectors.txt: per vector, {{ inputs.len() }} raw integers then {{ inputs.len() }}
// physical values. Writes hls_out.txt:
//   t <input> <W> <I> <signed>   each input type's width, integer bits, signedness
//   o <hex mask>                 the top function's sel for one vector
//   q <raw> ...                  each finite physical value converted by the input type
//                                (its quantisation and saturation), as the raw bit pattern
//   e <count>                    end, vectors run
#include <cmath>
#include <cstdio>

#include "{{ header }}"

int main() {
    std::FILE *in = std::fopen("vectors.txt", "r");
    std::FILE *out = std::fopen("hls_out.txt", "w");
    if (!in || !out) {
        std::printf("cannot open vectors.txt or hls_out.txt\n");
        return 2;
    }
{%- for i in inputs %}
    {
        // The most negative pattern reads as negative only in a signed type.
        {{ i.ty }} probe;
        probe.range({{ i.width - 1 }}, 0) = ap_uint<{{ i.width }}>(1ULL << {{ i.width - 1 }});
        std::fprintf(out, "t {{ loop.index0 }} %d %d %d\n", (int){{ i.ty }}::width,
                     (int){{ i.ty }}::iwidth, probe < 0 ? 1 : 0);
    }
{%- endfor %}
    long count = 0;
    for (;;) {
        long long raw[{{ inputs.len() }}];
        double phys[{{ inputs.len() }}];
        bool ok = true;
        for (int k = 0; k < {{ inputs.len() }} && ok; k++) ok = std::fscanf(in, "%lld", &raw[k]) == 1;
        for (int k = 0; k < {{ inputs.len() }} && ok; k++) ok = std::fscanf(in, "%lf", &phys[k]) == 1;
        if (!ok) break;
{%- for i in inputs %}
        {{ i.ty }} {{ i.name }};
        {{ i.name }}.range({{ i.width - 1 }}, 0) = ap_uint<{{ i.width }}>((unsigned long long)raw[{{ loop.index0 }}]);
{%- endfor %}
        {{ sel_ty }} sel = 0;
        {{ top }}({{ call }});
        std::fprintf(out, "o %llx\nq", (unsigned long long)sel.to_uint64());
{%- for i in inputs %}
        if (std::isfinite(phys[{{ loop.index0 }}])) {
            {{ i.ty }} qv = phys[{{ loop.index0 }}];
            std::fprintf(out, " %llu", (unsigned long long)qv.range({{ i.width - 1 }}, 0).to_uint64());
        } else {
            std::fprintf(out, " -");
        }
{%- endfor %}
        std::fprintf(out, "\n");
        count++;
    }
    std::fprintf(out, "e %ld\n", count);
    std::fclose(out);
    std::fclose(in);
    return 0;
}
