import Tensor
import Imaging
print("dbrun: BLAS threads \(BLAS.threadCount), libpng \(ImageLibraries.libpngVersion)")
