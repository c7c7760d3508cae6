#include <cstdio>

int main() { std::puts("modelpusher " MODELPUSHER_VERSION); }
