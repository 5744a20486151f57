/* Batch-1 matrix-vector loops in C (AVX2), to tell the access pattern from the Java code: y = W·x for W [out, in]
 * stored row-major, float32 or bfloat16 (bfloat16 widened as even/odd halves of 32-bit lanes, like WeightMatVec),
 * over COPIES copies of W used in turn (enough copies to exceed the caches make every call read from memory).
 * Build: gcc -O3 -mavx2 -mfma -fopenmp matvec.c -o matvec
 * Run:   ./matvec OUT IN COPIES THREADS VARIANT [PASSES] [DIST]   (prints the best pass in GB/s of W)
 * VARIANT: 0 f32, 4 adjacent rows per pass      1 bf16, 4 adjacent rows per pass (8 accumulators)
 *          2 bf16, 1 row, 8 accumulators          3 bf16, 4 adjacent rows + software prefetch of the next rows
 *          4 bf16, 4 adjacent rows, unpack instead of shift/and    5 bf16, 2 adjacent rows
 *          6 bf16, 1 row + software prefetch 4 KB ahead            7 f32, 1 row
 *          8 bf16, 1 row + a demand load DIST elements ahead       9 bf16, 4 rows + a demand load ahead
 *          10 bf16, 2 rows far apart (first and second half of the thread's rows)
 * Measured 2026-12-02 (docs/PERFORMANCE.md, session 9): from memory with 2 threads, variant 1 14.3-15.7 GB/s,
 * 2 16.1-16.7, 10 21.3-21.9, 6 20.2-21.5, 0 22-24; in L2 (256 x 512, 1 thread) 1: 22 GB/s, 2: 17, 10: 20. */

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <omp.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static float hs(__m256 v){__m128 a=_mm_add_ps(_mm256_castps256_ps128(v),_mm256_extractf128_ps(v,1));a=_mm_hadd_ps(a,a);a=_mm_hadd_ps(a,a);return _mm_cvtss_f32(a);}
static void f32rows(const float*w,const float*x,float*y,int r0,int r1,int in){
  for(int j=r0;j<r1;j+=4){const float*a=w+(size_t)j*in,*b=a+in,*c=b+in,*d=c+in;
    __m256 s0=_mm256_setzero_ps(),s1=s0,s2=s0,s3=s0;
    for(int p=0;p<in;p+=8){__m256 xv=_mm256_loadu_ps(x+p);
      s0=_mm256_fmadd_ps(_mm256_loadu_ps(a+p),xv,s0);s1=_mm256_fmadd_ps(_mm256_loadu_ps(b+p),xv,s1);
      s2=_mm256_fmadd_ps(_mm256_loadu_ps(c+p),xv,s2);s3=_mm256_fmadd_ps(_mm256_loadu_ps(d+p),xv,s3);}
    y[j]=hs(s0);y[j+1]=hs(s1);y[j+2]=hs(s2);y[j+3]=hs(s3);}}
static void bf16rows(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in){
  __m256i m=_mm256_set1_epi32(0xFFFF0000);
  for(int j=r0;j<r1;j+=4){const uint16_t*a=w+(size_t)j*in,*b=a+in,*c=b+in,*d=c+in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p<in;p+=16){__m256 xev=_mm256_loadu_ps(xe+p/2),xov=_mm256_loadu_ps(xo+p/2);
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(b+p));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(c+p)),v3=_mm256_loadu_si256((const __m256i*)(d+p));
      e0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v0,16)),xev,e0);o0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v0,m)),xov,o0);
      e1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v1,16)),xev,e1);o1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v1,m)),xov,o1);
      e2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v2,16)),xev,e2);o2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v2,m)),xov,o2);
      e3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v3,16)),xev,e3);o3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v3,m)),xov,o3);}
    y[j]=hs(_mm256_add_ps(e0,o0));y[j+1]=hs(_mm256_add_ps(e1,o1));y[j+2]=hs(_mm256_add_ps(e2,o2));y[j+3]=hs(_mm256_add_ps(e3,o3));}}

static void bf16rows1(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in){
  __m256i m=_mm256_set1_epi32(0xFFFF0000);
  for(int j=r0;j<r1;j++){const uint16_t*a=w+(size_t)j*in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    int p=0;
    for(;p+64<=in;p+=64){
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(a+p+16));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(a+p+32)),v3=_mm256_loadu_si256((const __m256i*)(a+p+48));
      e0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v0,16)),_mm256_loadu_ps(xe+p/2),e0);o0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v0,m)),_mm256_loadu_ps(xo+p/2),o0);
      e1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v1,16)),_mm256_loadu_ps(xe+p/2+8),e1);o1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v1,m)),_mm256_loadu_ps(xo+p/2+8),o1);
      e2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v2,16)),_mm256_loadu_ps(xe+p/2+16),e2);o2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v2,m)),_mm256_loadu_ps(xo+p/2+16),o2);
      e3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v3,16)),_mm256_loadu_ps(xe+p/2+24),e3);o3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v3,m)),_mm256_loadu_ps(xo+p/2+24),o3);}
    y[j]=hs(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(e0,o0),_mm256_add_ps(e1,o1)),_mm256_add_ps(_mm256_add_ps(e2,o2),_mm256_add_ps(e3,o3))));}}
static void bf16rowsP(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in){
  __m256i m=_mm256_set1_epi32(0xFFFF0000);
  for(int j=r0;j<r1;j+=4){const uint16_t*a=w+(size_t)j*in,*b=a+in,*c=b+in,*d=c+in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p<in;p+=16){__m256 xev=_mm256_loadu_ps(xe+p/2),xov=_mm256_loadu_ps(xo+p/2);
      _mm_prefetch((const char*)(a+p+4*in*2),_MM_HINT_T0);
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(b+p));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(c+p)),v3=_mm256_loadu_si256((const __m256i*)(d+p));
      e0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v0,16)),xev,e0);o0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v0,m)),xov,o0);
      e1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v1,16)),xev,e1);o1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v1,m)),xov,o1);
      e2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v2,16)),xev,e2);o2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v2,m)),xov,o2);
      e3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v3,16)),xev,e3);o3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v3,m)),xov,o3);}
    y[j]=hs(_mm256_add_ps(e0,o0));y[j+1]=hs(_mm256_add_ps(e1,o1));y[j+2]=hs(_mm256_add_ps(e2,o2));y[j+3]=hs(_mm256_add_ps(e3,o3));}}
// unpack variant: zero-interleave words: lo gives w[0..3,8..11]<<16, hi w[4..7,12..15]; x permuted to match
static void bf16rowsU(const uint16_t*w,const float*xl,const float*xh,float*y,int r0,int r1,int in){
  __m256i z=_mm256_setzero_si256();
  for(int j=r0;j<r1;j+=4){const uint16_t*a=w+(size_t)j*in,*b=a+in,*c=b+in,*d=c+in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p<in;p+=16){__m256 xev=_mm256_loadu_ps(xl+p/2),xov=_mm256_loadu_ps(xh+p/2);
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(b+p));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(c+p)),v3=_mm256_loadu_si256((const __m256i*)(d+p));
      e0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpacklo_epi16(z,v0)),xev,e0);o0=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpackhi_epi16(z,v0)),xov,o0);
      e1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpacklo_epi16(z,v1)),xev,e1);o1=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpackhi_epi16(z,v1)),xov,o1);
      e2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpacklo_epi16(z,v2)),xev,e2);o2=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpackhi_epi16(z,v2)),xov,o2);
      e3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpacklo_epi16(z,v3)),xev,e3);o3=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpackhi_epi16(z,v3)),xov,o3);}
    y[j]=hs(_mm256_add_ps(e0,o0));y[j+1]=hs(_mm256_add_ps(e1,o1));y[j+2]=hs(_mm256_add_ps(e2,o2));y[j+3]=hs(_mm256_add_ps(e3,o3));}}

#define BODY(V,XE,XO,E,O) E=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(V,16)),XE,E);O=_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(V,m)),XO,O);
static void bf16rows2(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in){
  __m256i m=_mm256_set1_epi32(0xFFFF0000);
  for(int j=r0;j<r1;j+=2){const uint16_t*a=w+(size_t)j*in,*b=a+in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p<in;p+=32){__m256 xe0=_mm256_loadu_ps(xe+p/2),xo0=_mm256_loadu_ps(xo+p/2),xe1=_mm256_loadu_ps(xe+p/2+8),xo1=_mm256_loadu_ps(xo+p/2+8);
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(a+p+16));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(b+p)),v3=_mm256_loadu_si256((const __m256i*)(b+p+16));
      BODY(v0,xe0,xo0,e0,o0) BODY(v1,xe1,xo1,e1,o1) BODY(v2,xe0,xo0,e2,o2) BODY(v3,xe1,xo1,e3,o3)}
    y[j]=hs(_mm256_add_ps(_mm256_add_ps(e0,o0),_mm256_add_ps(e1,o1)));y[j+1]=hs(_mm256_add_ps(_mm256_add_ps(e2,o2),_mm256_add_ps(e3,o3)));}}
static void bf16rows1P(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in){
  __m256i m=_mm256_set1_epi32(0xFFFF0000);
  for(int j=r0;j<r1;j++){const uint16_t*a=w+(size_t)j*in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p+64<=in;p+=64){
      _mm_prefetch((const char*)(a+p+2048),_MM_HINT_T0);_mm_prefetch((const char*)(a+p+2048+32),_MM_HINT_T0);
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(a+p+16));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(a+p+32)),v3=_mm256_loadu_si256((const __m256i*)(a+p+48));
      BODY(v0,_mm256_loadu_ps(xe+p/2),_mm256_loadu_ps(xo+p/2),e0,o0) BODY(v1,_mm256_loadu_ps(xe+p/2+8),_mm256_loadu_ps(xo+p/2+8),e1,o1)
      BODY(v2,_mm256_loadu_ps(xe+p/2+16),_mm256_loadu_ps(xo+p/2+16),e2,o2) BODY(v3,_mm256_loadu_ps(xe+p/2+24),_mm256_loadu_ps(xo+p/2+24),e3,o3)}
    y[j]=hs(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(e0,o0),_mm256_add_ps(e1,o1)),_mm256_add_ps(_mm256_add_ps(e2,o2),_mm256_add_ps(e3,o3))));}}
static void f32rows1(const float*w,const float*x,float*y,int r0,int r1,int in){
  for(int j=r0;j<r1;j++){const float*a=w+(size_t)j*in;
    __m256 s0=_mm256_setzero_ps(),s1=s0,s2=s0,s3=s0;
    for(int p=0;p<in;p+=32){
      s0=_mm256_fmadd_ps(_mm256_loadu_ps(a+p),_mm256_loadu_ps(x+p),s0);s1=_mm256_fmadd_ps(_mm256_loadu_ps(a+p+8),_mm256_loadu_ps(x+p+8),s1);
      s2=_mm256_fmadd_ps(_mm256_loadu_ps(a+p+16),_mm256_loadu_ps(x+p+16),s2);s3=_mm256_fmadd_ps(_mm256_loadu_ps(a+p+24),_mm256_loadu_ps(x+p+24),s3);}
    y[j]=hs(_mm256_add_ps(_mm256_add_ps(s0,s1),_mm256_add_ps(s2,s3)));}}

static volatile int sink;
static void bf16rows1T(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in,size_t lim,int dist){
  __m256i m=_mm256_set1_epi32(0xFFFF0000); int t=0;
  for(int j=r0;j<r1;j++){const uint16_t*a=w+(size_t)j*in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p+64<=in;p+=64){
      size_t q=(size_t)j*in+p+dist; if(q<lim) t+=a[p+dist]; if(q+32<lim) t+=a[p+dist+32];
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(a+p+16));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(a+p+32)),v3=_mm256_loadu_si256((const __m256i*)(a+p+48));
      BODY(v0,_mm256_loadu_ps(xe+p/2),_mm256_loadu_ps(xo+p/2),e0,o0) BODY(v1,_mm256_loadu_ps(xe+p/2+8),_mm256_loadu_ps(xo+p/2+8),e1,o1)
      BODY(v2,_mm256_loadu_ps(xe+p/2+16),_mm256_loadu_ps(xo+p/2+16),e2,o2) BODY(v3,_mm256_loadu_ps(xe+p/2+24),_mm256_loadu_ps(xo+p/2+24),e3,o3)}
    y[j]=hs(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(e0,o0),_mm256_add_ps(e1,o1)),_mm256_add_ps(_mm256_add_ps(e2,o2),_mm256_add_ps(e3,o3))));}
  sink=t;}
static void bf16rows4T(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in,size_t lim,int dist){
  __m256i m=_mm256_set1_epi32(0xFFFF0000); int t=0;
  for(int j=r0;j<r1;j+=4){const uint16_t*a=w+(size_t)j*in,*b=a+in,*c=b+in,*d=c+in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p<in;p+=16){__m256 xev=_mm256_loadu_ps(xe+p/2),xov=_mm256_loadu_ps(xo+p/2);
      if((p&31)==0){ size_t q=(size_t)j*in+4*p+dist; if(q<lim) t+=w[q];}
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(b+p));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(c+p)),v3=_mm256_loadu_si256((const __m256i*)(d+p));
      BODY(v0,xev,xov,e0,o0) BODY(v1,xev,xov,e1,o1) BODY(v2,xev,xov,e2,o2) BODY(v3,xev,xov,e3,o3)}
    y[j]=hs(_mm256_add_ps(e0,o0));y[j+1]=hs(_mm256_add_ps(e1,o1));y[j+2]=hs(_mm256_add_ps(e2,o2));y[j+3]=hs(_mm256_add_ps(e3,o3));}
  sink=t;}

static void bf16dual(const uint16_t*w,const float*xe,const float*xo,float*y,int r0,int r1,int in){
  __m256i m=_mm256_set1_epi32(0xFFFF0000);
  int h=(r1-r0)/2;
  for(int j=r0;j<r0+h;j++){const uint16_t*a=w+(size_t)j*in,*b=w+(size_t)(j+h)*in;
    __m256 e0=_mm256_setzero_ps(),o0=e0,e1=e0,o1=e0,e2=e0,o2=e0,e3=e0,o3=e0;
    for(int p=0;p<in;p+=32){
      __m256 xa=_mm256_loadu_ps(xe+p/2),xb=_mm256_loadu_ps(xo+p/2),xc=_mm256_loadu_ps(xe+p/2+8),xd=_mm256_loadu_ps(xo+p/2+8);
      __m256i v0=_mm256_loadu_si256((const __m256i*)(a+p)),v1=_mm256_loadu_si256((const __m256i*)(a+p+16));
      __m256i v2=_mm256_loadu_si256((const __m256i*)(b+p)),v3=_mm256_loadu_si256((const __m256i*)(b+p+16));
      BODY(v0,xa,xb,e0,o0) BODY(v1,xc,xd,e1,o1) BODY(v2,xa,xb,e2,o2) BODY(v3,xc,xd,e3,o3)}
    y[j]=hs(_mm256_add_ps(_mm256_add_ps(e0,o0),_mm256_add_ps(e1,o1)));y[j+h]=hs(_mm256_add_ps(_mm256_add_ps(e2,o2),_mm256_add_ps(e3,o3)));}}
int main(int argc,char**argv){
  int out=atoi(argv[1]),in=atoi(argv[2]),copies=atoi(argv[3]),th=atoi(argv[4]),bf=atoi(argv[5]),passes=argc>6?atoi(argv[6]):200; int dist=argc>7?atoi(argv[7]):2048;
  omp_set_num_threads(th);
  size_t n=(size_t)out*in; size_t es=(bf&&bf!=7)?2:4;
  char**w=malloc(copies*sizeof(char*));
  for(int c=0;c<copies;c++){w[c]=aligned_alloc(64,(n*es+63)/64*64);for(size_t i=0;i<n*es;i++)w[c][i]=(char)(rand()&0x3f);}
  float*x=malloc(in*4),*y=malloc(out*4),*xe=malloc(in*2),*xo=malloc(in*2);
  for(int i=0;i<in;i++)x[i]=rand()/(float)RAND_MAX; for(int i=0;i<in/2;i++){xe[i]=x[2*i];xo[i]=x[2*i+1];}
  double best=1e9; double t0=now(); int pass=0;
  #pragma omp parallel
  {
  for(int it=0;it<passes+50;it++){
    int c=it%copies; double t=0;
    #pragma omp barrier
    #pragma omp master
    t0=now();
    int q=out/4,tid=omp_get_thread_num(),nt=omp_get_num_threads();
    int r0=(int)((long)q*tid/nt)*4,r1=(int)((long)q*(tid+1)/nt)*4;
    if(bf==10)bf16dual((uint16_t*)w[c],xe,xo,y,r0,r1,in);else if(bf==8)bf16rows1T((uint16_t*)w[c],xe,xo,y,r0,r1,in,n,dist);else if(bf==9)bf16rows4T((uint16_t*)w[c],xe,xo,y,r0,r1,in,n,dist);else if(bf==5)bf16rows2((uint16_t*)w[c],xe,xo,y,r0,r1,in);else if(bf==6)bf16rows1P((uint16_t*)w[c],xe,xo,y,r0,r1,in);else if(bf==7)f32rows1((float*)w[c],x,y,r0,r1,in);else if(bf==2)bf16rows1((uint16_t*)w[c],xe,xo,y,r0,r1,in);else if(bf==3)bf16rowsP((uint16_t*)w[c],xe,xo,y,r0,r1,in);else if(bf==4)bf16rowsU((uint16_t*)w[c],xe,xo,y,r0,r1,in);else if(bf)bf16rows((uint16_t*)w[c],xe,xo,y,r0,r1,in);else f32rows((float*)w[c],x,y,r0,r1,in);
    #pragma omp barrier
    #pragma omp master
    {t=now()-t0; if(it>=50&&t<best)best=t;}
  }
  }
  printf("%s [%d,%d] copies %d threads %d: best %.2f GB/s\n",bf==0?"f32":bf==1?"bf16":bf==2?"bf16 1row":bf==3?"bf16 prefetch":bf==4?"bf16 unpack":bf==5?"bf16 2rows":bf==6?"bf16 1row prefetch":bf==7?"f32 1row":bf==8?"bf16 1row touch":bf==9?"bf16 4row touch":"bf16 dual",out,in,copies,th,n*es/best/1e9);
  return 0;}
