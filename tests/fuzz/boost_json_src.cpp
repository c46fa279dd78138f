// Boost.JSON's implementation, compiled into the fuzz build (instead of the
// shared library) so that libFuzzer's coverage reaches the parser itself.
#include <boost/json/src.hpp>
