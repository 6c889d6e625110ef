#include <cstdio>
int main() { std::puts("tectl: under construction"); return 1; }
