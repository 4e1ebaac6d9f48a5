// DreamBooth stage kinds land here; they register with Pipeline's stage-kind registry.
import Pipeline
