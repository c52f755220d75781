/**
 * C source the type tests compile: every kind of the model, bitfields that
 * straddle, packed and aligned layouts, anonymous members, flexible and
 * zero-length arrays, self- and mutually-referencing structs, function types.
 */
export const TYPES_C = `
#include <stddef.h>
typedef struct node { struct node *next, *prev; } node_t;
struct a_side; struct b_side;
struct a_side { struct b_side *b; int n; };
struct b_side { struct a_side *a; struct a_side inl; };
struct bf { char c; unsigned int a:3, b:7; int :0; unsigned long long x:40; short s; signed char sc:2;
            struct { int p; union { int q; char r; }; }; int flex[]; };
struct bf2 { unsigned char u1:1, u2:2; _Bool flag:1; long long l:33; enum { BFA, BFB } ev:2; };
struct arr { int m[2][3]; char z[0]; const volatile char *restrict pp;
             int (*fn)(int, const char *, ...); void (*fv)(void); char *(*tbl[4])(struct arr *); int m3[2][0][4]; };
enum e1 { E1A = -1, E1B = 5 };
enum e2 { E2C = 0xffffffffffffffffULL, E2D = 1 };
enum __attribute__((packed)) e3 { E3D = 1, E3E = 200 };
enum e4 { E4A = -0x7fffffffffffffffLL - 1, E4B = 0x7fffffffffffffffLL };
struct __attribute__((packed)) pk { char c; int i; long l; short s:5; };
struct atom { _Atomic int at; _Atomic(struct node *) ap; };
struct al { char c; int x __attribute__((aligned(16))); };
struct __attribute__((aligned(64))) cl { long a; };
union u { int a; char b[5]; struct { short lo, hi; } parts; };
typedef int (*handler_t)(struct bf *, ...);
typedef const struct node cnode_t;
typedef cnode_t cnode2_t;
struct fwd_only;
struct uses { struct fwd_only *f; handler_t h; cnode2_t *cn; union u u; struct cl c; char tail; };
struct all { node_t n; struct bf b; struct bf2 b2; struct arr a; enum e1 e1; enum e2 e2; enum e3 e3; enum e4 e4;
             struct pk pk; struct al al; union u u; handler_t h; float f; double d; long double ld; _Bool bo;
             float _Complex fc; double _Complex dc;
#ifdef __SIZEOF_INT128__
             __int128 i128; unsigned __int128 u128;
#endif
             struct uses us; struct atom atm;
             struct a_side as; struct b_side bs; char last; };
struct all g_all;
int g_int = 5;
const char *g_names[3] = { "a", "b", "c" };
struct bf *g_ptr;
int use_ext(void);
`;

/** Named structs and unions the source defines (pahole must list at least these). */
export const NAMED_COMPOSITES = ['node', 'a_side', 'b_side', 'bf', 'bf2', 'arr', 'pk', 'al', 'cl', 'u', 'uses', 'all', 'atom'];

/** Structs pahole 1.24 cannot print (it does not know DW_TAG_atomic_type); checked with llvm-dwarfdump only. */
export const PAHOLE_CANNOT = ['atom'];
