{{ header }}
# Vivado HLS / Vitis HLS project for {{ name }}.
# Usage: vitis_hls -f build_prj.tcl            (C simulation and synthesis)
#        vitis_hls -f build_prj.tcl -tclargs "csim=1 synth=1 cosim=1 export=1"
array set opt {csim 1 synth 1 cosim 0 export 0}
foreach arg $argv {
    foreach kv [split $arg " "] {
        set parts [split $kv "="]
        if {[llength $parts] == 2} {
            set opt([lindex $parts 0]) [lindex $parts 1]
        }
    }
}

set part "{{ part }}"
set clock_ns {{ clock }}

open_project -reset {{ name }}_prj
set_top {{ name }}
add_files firmware/{{ name }}.cpp -cflags "-std=c++14"
add_files -tb {{ name }}_test.cpp -cflags "-std=c++14"
add_files -tb tb_data
open_solution -reset "solution1"
set_part $part
create_clock -period $clock_ns -name default

if {$opt(csim)} {
    csim_design
}
if {$opt(synth)} {
    csynth_design
}
if {$opt(cosim)} {
    cosim_design
}
if {$opt(export)} {
    export_design -format ip_catalog
}
exit
