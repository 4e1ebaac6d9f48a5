import Testing
import Imaging

@Suite struct LibraryTests {
    @Test func linksLibpng16AndLibjpegTurbo() {
        #expect(ImageLibraries.libpngVersion.hasPrefix("1.6."))
        #expect(ImageLibraries.libjpegVersion >= 62)
    }
}
