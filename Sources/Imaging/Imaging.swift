// Image decode/encode, resizing and grids land here (issue: imaging).
import CPNG
import CJPEG

/// Versions of the system image libraries dbrun was linked with, for diagnostics.
public enum ImageLibraries {
    public static var libpngVersion: String { String(cString: png_get_libpng_ver(nil)) }
    public static var libjpegVersion: Int { Int(JPEG_LIB_VERSION) }
}
