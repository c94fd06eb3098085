package com.example.mbert

import java.io.Closeable

/** An answer: [text] is a span of the context, [score] the model's start + end logit. */
data class Answer(val text: String, val score: Float)

/**
 * Extractive question answering with a MobileBERT compiled by mbert into libmbert_jni.so (see
 * src/main/cpp). The vocabulary is inside the library; nothing is loaded from files.
 *
 *     QuestionAnswerer().use { qa ->
 *         val answer = qa.answer("Who wrote the notes?", "Ada Lovelace wrote notes on ...")
 *         textView.text = "${answer.text} (${answer.score})"
 *     }
 *
 * A call runs the model on the calling thread: call it off the main thread (a coroutine on
 * Dispatchers.Default). Calls on one instance are serialized.
 */
class QuestionAnswerer : Closeable {
    private var handle: Long = nativeCreate()

    /** Throws IllegalArgumentException for texts the tokenizer or the model cannot take. */
    @Synchronized
    fun answer(question: String, context: String): Answer {
        check(handle != 0L) { "QuestionAnswerer is closed" }
        val contextBytes = context.toByteArray(Charsets.UTF_8)
        val score = FloatArray(1)
        val range = nativeAnswer(handle, question.toByteArray(Charsets.UTF_8), contextBytes, score)
        // The range is in bytes of the UTF-8 context, as the tokenizer saw it.
        val text = String(contextBytes, range[0], range[1] - range[0], Charsets.UTF_8)
        return Answer(text, score[0])
    }

    @Synchronized
    override fun close() {
        nativeDestroy(handle)
        handle = 0L
    }

    private companion object {
        init {
            System.loadLibrary("mbert_jni")
        }

        @JvmStatic external fun nativeCreate(): Long
        @JvmStatic external fun nativeDestroy(handle: Long)
        @JvmStatic external fun nativeAnswer(
            handle: Long, question: ByteArray, context: ByteArray, score: FloatArray,
        ): IntArray
    }
}
