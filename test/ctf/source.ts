/** C sources the CTF tests compile: every kind gcc -gctf emits. */

export const EVERY_KIND = `
#include <stddef.h>
struct node { struct node *next; int v; unsigned flag:3; unsigned wide:20; signed char sc:2; char name[2][3]; };
union u { int i; float f; double d; long double ld; };
enum color { RED, GREEN = 5, BLUE = -1 };
enum small { S1 = 1, S2 } __attribute__((packed));
typedef struct node node_t;
struct fwd;
union ufwd;
struct fwd *fp;
union ufwd *ufp;
const volatile int cvi;
int * restrict rp;
node_t head;
union u uu;
enum color col;
enum small sm;
int (*fnp)(int, const char *, ...);
void (*vfn)(void);
static int sfun(int x) { return x; }
int gfun(struct node *n, long l) { return sfun(n->v) + (int)l; }
_Bool flag;
struct flex { int n; char data[]; } *fl;
_Complex double cd;
float fa[7];
struct { int anon_x; } anon_var;
struct outer { struct { int a, b; } in; union { char c; short s; }; } outer;
void *vp;
unsigned long long ull;
`;

export const CONFLICT_A = `
struct node { struct node *next; int v; unsigned bits:5; };
struct shared { int a; void *p; };
struct shared sa;
struct node na;
int fa(void) { return 0; }
`;
export const CONFLICT_B = `
struct node { long other; };
struct shared { int a; void *p; };
struct shared sb;
struct node nb;
int main(void) { return 0; }
`;
export const CONFLICT_C = `
struct shared { int a; void *p; };
typedef unsigned long u64_t;
u64_t cval;
`;
