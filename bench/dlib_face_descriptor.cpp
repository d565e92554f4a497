// dlib's face descriptor network, timed in C++: the reference for `facecli bench --embedding` when dlib
// is built from source with a BLAS (the prebuilt `dlib-bin` wheel has none, see bench/README.md).
//
// Built and run by bench/embedding_vs_dlib.py (--dlib-blas): dlib's sdist from PyPI, one translation
// unit (dlib/all/source.cpp), -O3 -march=native -DDLIB_USE_BLAS, linked with OpenBLAS, whose threads
// OPENBLAS_NUM_THREADS sets (dlib's CPU convolutions are im2col + one BLAS sgemm each).
//
//   dlib_face_descriptor MODEL.dat CHIP.rgb RUNS WARMUP
//
// CHIP.rgb: 150×150×3 raw RGB bytes. Prints one JSON line: median_ms, min_ms, cpu_median_ms and the
// descriptor. The network is the one of dlib's Python binding (tools/python/src/face_recognition.cpp),
// run as `compute_face_descriptor(chip)` runs it: `net(chips, 16)` on a batch of one chip.
#include <dlib/dnn.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <vector>

using namespace dlib;

template <template <int, template <typename> class, int, typename> class block, int N, template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;
template <template <int, template <typename> class, int, typename> class block, int N, template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;
template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;
template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;
template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;
using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

static double cpu_ms() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s MODEL.dat CHIP.rgb RUNS WARMUP\n", argv[0]);
        return 64;
    }
    anet_type net;
    deserialize(argv[1]) >> net;
    std::ifstream in(argv[2], std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() != 150 * 150 * 3) {
        std::fprintf(stderr, "%s: a chip has %d bytes (150×150 RGB), this file has %zu\n", argv[2], 150 * 150 * 3, bytes.size());
        return 65;
    }
    std::vector<matrix<rgb_pixel>> chips(1);
    chips[0].set_size(150, 150);
    for (long r = 0; r < 150; ++r)
        for (long c = 0; c < 150; ++c) {
            const unsigned char* p = &bytes[3 * (r * 150 + c)];
            chips[0](r, c) = rgb_pixel(p[0], p[1], p[2]);
        }
    const int runs = std::atoi(argv[3]), warmup = std::atoi(argv[4]);
    std::vector<matrix<float, 0, 1>> d;
    for (int i = 0; i < warmup; ++i) d = net(chips, 16);
    std::vector<double> wall, cpu;
    for (int i = 0; i < runs; ++i) {
        const auto t = std::chrono::steady_clock::now();
        const double c = cpu_ms();
        d = net(chips, 16);
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
        cpu.push_back(cpu_ms() - c);
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    auto median = [](const std::vector<double>& v) {
        return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    };
    std::printf("{\"median_ms\": %.4f, \"min_ms\": %.4f, \"cpu_median_ms\": %.4f, \"descriptor\": [", median(wall), wall[0], median(cpu));
    for (long i = 0; i < d[0].size(); ++i) std::printf("%s%.8g", i ? ", " : "", d[0](i));
    std::printf("]}\n");
    return 0;
}
