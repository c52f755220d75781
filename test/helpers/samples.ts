/** C sources shared by the ELF tests. */

/** C with the things symbol tables and debug sections carry: globals, statics, weak, hidden, strings, structs. */
export const SAMPLE_C = `
struct point { int x, y; long tag; const char *label; };
struct point origin = { 0, 0, 7, "origin" };
static int hidden_count;
int counter = 3;
__attribute__((weak)) int weak_value = 5;
__attribute__((visibility("hidden"))) int hidden_global = 9;
char buffer[64];
static int helper(struct point *p) { return p->x + p->y + hidden_count++; }
int add(int a, int b) { struct point p = { a, b, 1, "p" }; return helper(&p) + counter + weak_value + hidden_global; }
int main(void) { buffer[0] = (char)add(1, 2); return buffer[0] == 4 ? 0 : 1; }
`;
