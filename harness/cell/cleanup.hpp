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

}  // namespace sockgrade::cell
