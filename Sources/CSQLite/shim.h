#ifndef PHONENUMBERS_CSQLITE_SHIM_H
#define PHONENUMBERS_CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro Swift does not import. */
static inline sqlite3_destructor_type pn_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
