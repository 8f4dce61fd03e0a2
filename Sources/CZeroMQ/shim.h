// libzmq from Debian's libzmq3-dev. No pkgConfig: Debian's libzmq.pc adds
// krb5 -isystem flags that SwiftPM rejects (docs/protocol.md, "Linking").
#include <zmq.h>
#include <sys/eventfd.h>
