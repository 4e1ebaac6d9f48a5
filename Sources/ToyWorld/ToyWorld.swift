// The embedded procedural world (images, captions, subjects) lands here.
import Imaging
