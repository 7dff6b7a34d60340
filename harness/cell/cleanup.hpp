// Leaving nothing behind: a cell is a child subreaper, so every orphaned descendant of the
// student (double-forked daemons included) becomes its child and is killed here.
#pragma once

#include <sys/types.h>

namespace sockgrade::cell {

// Makes the calling process the reaper of its orphaned descendants.
bool become_subreaper();

// SIGKILLs every descendant of the calling process and reaps them all; returns how many
// processes were still alive.
int kill_all_descendants();

// Without a filesystem view the program shares the host's /tmp: what its cell's uid left
// there (a pid file, a UNIX socket) is removed when the cell ends, so that the next cell, under
// another uid, finds /tmp as a private one would be. Only entries that uid owns (the uid is
// this cell's alone). Returns how many were removed.
int remove_tmp_entries_of(uid_t owner, const char* tmp = "/tmp");

}  // namespace sockgrade::cell
