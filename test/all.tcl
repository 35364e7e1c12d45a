# all.tcl - run every test file of frugal and sum the results.
#
#   tclsh test/all.tcl              every test/*.test
#   tclsh test/all.tcl read bitmap  only test/read.test and test/bitmap.test
#
# Each file runs in its own tclsh, so that one that crashes cannot take the
# others down; up to FRUGAL_JOBS files (default: the number of CPUs) run at
# once, and each file's output is printed whole when it finishes.  The last
# line is "N passed, N failed"; the exit code is non-zero on any failure.

set topdir [file dirname [file dirname [file normalize [info script]]]]
cd $topdir

if {[llength $argv]} {
  set files {}
  foreach name $argv { lappend files [file join test $name.test] }
} else {
  set files [lsort [glob test/*.test]]
}

proc cpu_count {} {
  if {[info exists ::env(FRUGAL_JOBS)]} { return $::env(FRUGAL_JOBS) }
  if {[catch {exec nproc} n]} { return 1 }
  return $n
}

set n_pass 0
set n_fail 0
set failed {}
set running 0
set queue $files
set t_start [clock milliseconds]

proc start_next {} {
  if {![llength $::queue]} return
  set file [lindex $::queue 0]
  set ::queue [lrange $::queue 1 end]
  set wrap [expr {[info exists ::env(FRUGAL_WRAP)] ? $::env(FRUGAL_WRAP) : ""}]
  set chan [open |[concat $wrap [list [info nameofexecutable] $file 2>@1]] r]
  fconfigure $chan -blocking 0 -translation lf
  set ::output($chan) ""
  set ::started($chan) [clock milliseconds]
  set ::filename($chan) $file
  fileevent $chan readable [list on_readable $chan]
  incr ::running
}

proc on_readable {chan} {
  append ::output($chan) [read $chan]
  if {![eof $chan]} return
  fconfigure $chan -blocking 1
  set status [catch {close $chan} msg opts]
  set out $::output($chan)
  set file $::filename($chan)
  set secs [format %.1f [expr {([clock milliseconds]-$::started($chan))/1000.0}]]
  set lines [split [string trimright $out \n] \n]
  set last [lindex $lines end]
  puts "== $file ($secs s)"
  if {[regexp {^(\d+) passed, (\d+) failed$} $last -> p f]} {
    incr ::n_pass $p
    incr ::n_fail $f
    foreach line [lrange $lines 0 end-1] { puts $line }
    puts $last
    if {$f} {
      lappend ::failed $file
    } elseif {$status} {
      # Every test passed but the process failed: a sanitizer or valgrind
      # found something after the summary.
      puts "! $file exited abnormally: $msg"
      incr ::n_fail
      lappend ::failed "$file (exit status)"
    }
  } else {
    foreach line $lines { puts $line }
    puts "! $file did not finish (exit status: $msg)"
    incr ::n_fail
    lappend ::failed "$file (crashed)"
  }
  flush stdout
  incr ::running -1
  start_next
  if {$::running==0} { set ::done 1 }
}

set jobs [cpu_count]
for {set i 0} {$i < $jobs} {incr i} { start_next }
if {$running} { vwait done }

set secs [format %.1f [expr {([clock milliseconds]-$t_start)/1000.0}]]
puts "== [llength $files] files in $secs s"
if {[llength $failed]} { puts "failed: $failed" }
puts "$n_pass passed, $n_fail failed"
exit [expr {$n_fail ? 1 : 0}]
