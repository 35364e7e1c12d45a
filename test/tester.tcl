# tester.tcl - the test harness of frugal, after SQLite's own tester.tcl.
#
# A test file sources this first:
#
#   source [file join [file dirname [info script]] tester.tcl]
#   do_execsql_test read-1.1 { SELECT 1+1 } {2}
#   finish_test
#
# The commands:
#
#   do_test NAME SCRIPT EXPECTED     run SCRIPT; its result must equal
#                                    EXPECTED exactly (or, if EXPECTED is
#                                    /RE/, match the regular expression RE)
#   do_execsql_test NAME SQL RESULT  run SQL on db; the flat list of every
#                                    value of every row must equal RESULT
#   do_catchsql_test NAME SQL RESULT like do_execsql_test, but the result is
#                                    {0 {rows...}} or {1 {error message}}
#   execsql SQL ?DB?                 the rows of SQL as one flat list
#   catchsql SQL ?DB?                {0 rows} or {1 message}
#   frugal_open DB FILE              open a connection with frugal loaded
#   finish_test                      print "N passed, N failed" and exit
#
# A failure prints the expected and the actual value.  A test file run
# alone prints its own summary; test/all.tcl runs every file and sums them.
#
# The environment chooses what is tested:
#   FRUGAL_LIB   the extension to load (default dist/frugal, no suffix)
#   FRUGAL_BIN   where the C test drivers are (default dist/test)
#   FRUGAL_TEST  a glob pattern: run only the tests whose names match
#   FRUGAL_WRAP  a command to run every program under, e.g. valgrind
#                (make test-valgrind); C drivers are run through it
#   FRUGAL_WRAP_SHELL  the same for the sqlite3 shell (default FRUGAL_WRAP);
#                the shell exits without closing its database after an
#                error, so make test-valgrind checks it without leak checks

package require sqlite3

set ::testdir [file dirname [file normalize [info script]]]
set ::topdir [file dirname $::testdir]
cd $::topdir

proc env_or {name default} {
  if {[info exists ::env($name)] && $::env($name) ne ""} {
    return $::env($name)
  }
  return $default
}

set ::frugal_lib [env_or FRUGAL_LIB [file join $::topdir dist frugal]]
set ::frugal_bin [env_or FRUGAL_BIN [file join $::topdir dist test]]
set ::test_filter [env_or FRUGAL_TEST *]
set ::wrap [env_or FRUGAL_WRAP ""]
set ::wrap_shell [env_or FRUGAL_WRAP_SHELL $::wrap]
set ::n_pass 0
set ::n_fail 0
set ::fail_list {}

# A scratch directory for the files a test writes, emptied at the start.
proc testdir_init {name} {
  set ::tmpdir [file join $::topdir dist tmp $name]
  file delete -force $::tmpdir
  file mkdir $::tmpdir
}
testdir_init [file rootname [file tail $::argv0]]

# The path of a scratch file.
proc tmpfile {name} { return [file join $::tmpdir $name] }

# Write data to a scratch file, byte for byte; return its path.
proc writefile {name data} {
  set path [tmpfile $name]
  set fd [open $path wb]
  puts -nonewline $fd $data
  close $fd
  return $path
}

# Read a file, byte for byte.
proc readfile {path} {
  set fd [open $path rb]
  set data [read $fd]
  close $fd
  return $data
}

# Open connection $name on $file with frugal loaded.
proc frugal_open {name {file :memory:}} {
  sqlite3 $name $file
  $name enable_load_extension 1
  $name eval {SELECT load_extension($::frugal_lib)}
  $name enable_load_extension 0
  return $name
}

# The command that runs C test driver $name: a list, the wrapper first.
proc driver {name} { return [concat $::wrap [list [file join $::frugal_bin $name]]] }

# SQL runs in the caller's scope, so that $name in it binds the caller's
# Tcl variable, as in SQLite's own tests.
proc execsql {sql {db db}} {
  uplevel 1 [list $db eval $sql]
}

proc catchsql {sql {db db}} {
  set rc [catch {uplevel 1 [list $db eval $sql]} result]
  return [list $rc $result]
}

proc test_report_failure {name expected actual} {
  incr ::n_fail
  lappend ::fail_list $name
  puts "! $name failed"
  puts "!   expected: \[$expected\]"
  puts "!   got:      \[$actual\]"
}

proc do_test {name script expected} {
  if {![string match $::test_filter $name]} return
  if {[info exists ::env(FRUGAL_VERBOSE)]} { puts "$name..." }
  if {[catch {uplevel 1 $script} actual opts]} {
    set actual "Tcl error: $actual"
    if {[info exists ::env(FRUGAL_VERBOSE)]} {
      puts [dict get $opts -errorinfo]
    }
  }
  # An expected value of the form /RE/ is a regular expression to match.
  if {[regexp {^/(.*)/$} $expected -> re] && [regexp -- $re $actual]} {
    incr ::n_pass
  } elseif {$actual eq $expected} {
    incr ::n_pass
  } else {
    test_report_failure $name $expected $actual
  }
}

proc do_execsql_test {name sql expected} {
  uplevel 1 [list do_test $name [list execsql $sql] [list {*}$expected]]
}

proc do_catchsql_test {name sql expected} {
  uplevel 1 [list do_test $name [list catchsql $sql] [list {*}$expected]]
}

# Run a program; return {exit-code stdout+stderr}.  The first argument is
# a command list, as [driver] gives.
proc run {cmd args} {
  set rc [catch {exec {*}$cmd {*}$args 2>@1} out opts]
  if {$rc} {
    set code [lindex [dict get $opts -errorcode] 0]
    if {$code eq "CHILDSTATUS"} {
      set rc [lindex [dict get $opts -errorcode] 2]
    }
  }
  return [list $rc $out]
}

# Run the sqlite3 shell with frugal loaded on an in-memory database:
#   shell ?-limit N? ?-cmd CMD? ?-stdin FILE? ?-pipe CMD? ?-user NAME? SQL
# -limit sets SQLITE_LIMIT_LENGTH, -cmd runs a shell command or SQL before
# SQL (its output is kept), -stdin feeds a file to standard input,
# -pipe feeds the output of a command (a list, e.g. {yes}), -user runs the
# shell as another user (needs root).  Returns {exit-code output}, with
# stdout and stderr together.
proc shell {args} {
  set cmd {}
  set pre {}
  set post {}
  while {[string match -* [lindex $args 0]]} {
    set args [lassign $args opt val]
    switch -- $opt {
      -limit { lappend cmd -cmd ".limit length $val" }
      -cmd   { lappend cmd -cmd $val }
      -stdin { set post [list < $val] }
      -pipe  { set pre [concat $val |] }
      -user  { set pre [concat $pre setpriv --reuid=$val --regid=$val --clear-groups] }
      default { error "shell: unknown option $opt" }
    }
  }
  set sql [lindex $args 0]
  set rc [catch {
    exec {*}$pre {*}$::wrap_shell sqlite3 -batch -cmd ".load $::frugal_lib" {*}$cmd \
      :memory: $sql {*}$post 2>@1
  } out opts]
  if {$rc} {
    set ec [dict get $opts -errorcode]
    set rc [expr {[lindex $ec 0] eq "CHILDSTATUS" ? [lindex $ec 2] : 1}]
    # The feeding command dies of SIGPIPE when the shell stops reading.
    if {[lindex $ec 0] eq "CHILDKILLED" && [lindex $ec 2] eq "SIGPIPE"} {
      set rc 0
      regsub {\n?child killed: write on pipe with no readers$} $out {} out
    }
    regsub {\n?child process exited abnormally$} $out {} out
  }
  # .limit prints the limit it set.
  regsub -line {^\s*length \d+$\n?} $out {} out
  regsub -line {^\s*length \d+} $out {} out
  return [list $rc $out]
}

proc finish_test {} {
  catch {db close}
  if {$::n_fail} { puts "failures: $::fail_list" }
  puts "$::n_pass passed, $::n_fail failed"
  exit [expr {$::n_fail ? 1 : 0}]
}

frugal_open db
